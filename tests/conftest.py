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
