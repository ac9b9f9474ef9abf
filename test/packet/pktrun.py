"""
What the packet suites (test_stray.py, test_capture.py, test_policy.py)
share: where EAL keeps a run's runtime directory, and a pass/fail tally.
"""
import os


def dpdk_runtime_dir(prefix):
    """EAL's runtime directory of --file-prefix PREFIX (removed after a run)."""
    base = "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


class Checker:
    """Counts checks; prints one line per failure."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, (": " + detail) if detail else ""))
        return ok
