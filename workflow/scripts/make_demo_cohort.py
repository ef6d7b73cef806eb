"""Regenerate the synthetic demo cohort's exports in data/raw/ (run: make demo-data).

The committed files are this script's output; tests/test_simulate.py checks that they still are.
"""

import sys
from pathlib import Path

from samen_sterker.simulate import write_demo_cohort

if __name__ == "__main__":
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/raw")
    for path in write_demo_cohort(out_dir):
        print(path)
