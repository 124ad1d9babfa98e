"""Run the tests of this folder and print TAP, one line per test, for
test/run-all.sh to count: python3 tests/tap.py [unittest name patterns]."""
import pathlib
import sys
import traceback
import unittest

HERE = pathlib.Path(__file__).resolve().parent


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.count = 0

    def _line(self, ok, test, note=""):
        self.count += 1
        status = "ok" if ok else "not ok"
        print(f"{status} {self.count} - {test.id()}{note}", flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def _fail(self, test, err):
        self._line(False, test)
        for line in "".join(traceback.format_exception(*err)).splitlines():
            print("# " + line)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._fail(subtest, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, f" # SKIP {reason}")


def main():
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))  # the openface package, uninstalled
    loader = unittest.TestLoader()
    if len(sys.argv) > 1:
        loader.testNamePatterns = sys.argv[1:]
    suite = loader.discover(str(HERE), top_level_dir=str(HERE))
    result = TapResult()
    suite.run(result)
    print(f"1..{result.count}")
    return 0 if result.wasSuccessful() and result.count else 1


if __name__ == "__main__":
    sys.exit(main())
