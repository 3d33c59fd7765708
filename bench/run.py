"""Run every benchmark in bench/, each in its own process (each prints its own figures)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
failed = 0
for script in sorted(HERE.glob("*.py")):
    if script.name in {"run.py", "harness.py"}:
        continue
    print(f"\n### {script.stem}", flush=True)
    failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
sys.exit(1 if failed else 0)
