"""keep_freed_memory, in a fresh interpreter each time: it sets the process's malloc for good (and the command
line's tests call it in this one)."""
import ctypes
import subprocess
import sys

import pytest

from cdisc.heap import KEEP

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallinfo2"),
                                reason="glibc's malloc only")

MAPPED = """
import ctypes, sys
from cdisc.heap import keep_freed_memory

class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                      "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype, libc.free.argtypes, libc.mallinfo2.restype = ctypes.c_void_p, [ctypes.c_void_p], Mallinfo2

def mapped(size):  # bytes in blocks of their own mapping while a block of `size` bytes is allocated
    before = libc.mallinfo2().hblkhd
    block = libc.malloc(size)
    after = libc.mallinfo2().hblkhd
    libc.free(block)
    return after - before

if sys.argv[1] == "keep":
    print(keep_freed_memory())
print(*(mapped(int(size)) for size in sys.argv[2:]))
"""


def _mapped(keep: bool, *sizes: int) -> str:
    done = subprocess.run([sys.executable, "-c", MAPPED, "keep" if keep else "default", *map(str, sizes)],
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_glibc_maps_a_64_mib_block_of_its_own_by_default():
    assert _mapped(False, 64 << 20) == f"{(64 << 20) + 4096}\n"  # and a page for glibc's header


def test_kept_freed_memory_puts_blocks_below_1_gib_in_the_heap():
    assert KEEP == 1 << 30
    assert _mapped(True, 64 << 20, 1000 << 20, (1 << 30) + 4096) == f"True\n0 0 {(1 << 30) + 8192}\n"
