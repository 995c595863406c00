# The package's version: the CMake project's (CMakeLists.txt `project(autogtco VERSION ...)`); the
# package's test checks that the binary it carries says the same.
__version__ = "0.1.0"
