import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

# The parse-table cache (dbmt.syntax.generic.table_cache_path) goes to a throwaway folder, not
# the user's ~/.cache; subprocesses of the CLI tests inherit it.
os.environ["DBMT_CACHE_DIR"] = tempfile.mkdtemp(prefix="dbmt-test-cache-")
atexit.register(shutil.rmtree, os.environ["DBMT_CACHE_DIR"], ignore_errors=True)

sys.path.insert(0, str(Path(__file__).parent))

# No test depends on timing: hypothesis' per-example deadline (200 ms by default) and its
# too-slow health check measure wall-clock time, which a busy machine stretches.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("dbmt", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("dbmt")
