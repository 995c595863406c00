"""`python -m autogtco ARGS...`: the same as the `autogtco` command (the binary the package carries)."""
from ._binary import main

main()
