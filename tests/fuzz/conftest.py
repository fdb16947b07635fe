import sys
from pathlib import Path

# The harness modules (engine_run, fuzz_inputs) are imported by name, here and by bench/fuzz.py.
sys.path.insert(0, str(Path(__file__).parent))
