#!/usr/bin/env python3
# Writes the regression inputs of the fuzz harnesses: one file per crash class of the issue-19 fuzzing campaign
# (the same crafted files as tests/validation/test_npz_hostile.cpp and tests/apps/npy_test.cpp). Run once; the
# files are committed under regressions/<reader>/ and every harness run (ctest, make fuzz) replays them.
import os, struct, sys, zlib

here = os.path.dirname(os.path.abspath(__file__))

def put(v, n):
    return (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little")

def npy(d, data=b"", major=1):
    d = d.encode() + b"\n"
    return b"\x93NUMPY" + bytes([major, 0]) + put(len(d), 2 if major == 1 else 4) + d + data

def zip_(members):  # members: (name, body, method, usize or None, crc or None)
    z, cd = b"", b""
    for name, body, method, usize, crc in members:
        name = name.encode()
        crc = zlib.crc32(body) if crc is None else crc
        usize = len(body) if usize is None else usize
        off = len(z)
        z += put(0x04034b50, 4) + put(20, 2) + put(0, 2) + put(method, 2) + put(0, 4) + put(crc, 4) + \
             put(len(body), 4) + put(usize, 4) + put(len(name), 2) + put(0, 2) + name + body
        cd += put(0x02014b50, 4) + put(20, 2) + put(20, 2) + put(0, 2) + put(method, 2) + put(0, 4) + put(crc, 4) + \
              put(len(body), 4) + put(usize, 4) + put(len(name), 2) + put(0, 2) * 4 + put(0, 4) + put(off, 4) + name
    cdo = len(z)
    return z + cd + put(0x06054b50, 4) + put(0, 4) + put(len(members), 2) * 2 + put(len(cd), 4) + put(cdo, 4) + put(0, 2)

def write(reader, name, data):
    os.makedirs(os.path.join(here, "regressions", reader), exist_ok=True)
    with open(os.path.join(here, "regressions", reader, name), "wb") as f:
        f.write(data)

F8 = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"
body = npy(F8, b"\0" * 8)
# npz: the crash classes of the issue
write("npz", "fortran_overflow.npz",
      zip_([("a.npy", npy("{'descr': '<f8', 'fortran_order': True, 'shape': (4294967296, 4294967297), }"), 0, None, None)]))
write("npz", "v2_short.npz", zip_([("a.npy", b"\x93NUMPY\x02\x00\x10\x00", 0, None, None)]))
for dt in ["<i0", "<i9", "<u0"]:
    write("npz", "dtype_%s.npz" % dt[1:],
          zip_([("a.npy", npy("{'descr': '%s', 'fortran_order': False, 'shape': (1000000000,), }" % dt), 0, None, None)]))
write("npz", "empty_huge.npz",
      zip_([("a.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 0), }"), 0, None, None)]))
write("npz", "claim_4gb.npz", zip_([("a.npy", b"\x03\x00", 8, 0xFFFFFFF0, 0)]))
c = zlib.compressobj(9, zlib.DEFLATED, -15)
write("npz", "bomb.npz", zip_([("a.npy", c.compress(b"\0" * (1 << 20)) + c.flush(), 8, 1000, 0)]))
z = zip_([("a.npy", body, 0, None, None)])
eocd, z = bytearray(z[-22:]), z[:-22]
z64 = len(z)
z += put(0x06064b50, 4) + put(44, 8) + put(45, 2) * 2 + put(0, 8) + put(1, 8) + put(1, 8) + put(46, 8) + \
     put(0xFFFFFFFFFFFFFFF0, 8) + put(0x07064b50, 4) + put(0, 4) + put(z64, 8) + put(1, 4)
eocd[16:20] = b"\xff" * 4
write("npz", "zip64_offset.npz", z + bytes(eocd))
z2 = zip_([("a.npy", body, 0, None, None)])
eocd2, z2 = bytearray(z2[-22:]), z2[:-22]
z2 += put(0x07064b50, 4) + put(0, 4) + put(0xFFFFFFFFFFFFFFF0, 8) + put(1, 4)
eocd2[16:20] = b"\xff" * 4
write("npz", "zip64_locator.npz", z2 + bytes(eocd2))
# npy: the same headers on their own
write("npy", "shape_2p62_0.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 0), }"))
write("npy", "fortran_overflow.npy", npy("{'descr': '<f8', 'fortran_order': True, 'shape': (4294967296, 4294967297), }"))
write("npy", "v2_short.npy", b"\x93NUMPY\x02\x00\x10\x00")
for dt in ["<i0", "<i9", "<u0"]:
    write("npy", "dtype_%s.npy" % dt[1:], npy("{'descr': '%s', 'fortran_order': False, 'shape': (1000000000,), }" % dt))
# seeds: well-formed files
os.makedirs(os.path.join(here, "corpus", "npy"), exist_ok=True)
write("../corpus/npy", "f8_2x3.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                                          struct.pack("<6d", *range(6))))
write("../corpus/npy", "u1_2x1x2x2.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 2, 2), }", bytes(range(8))))
write("../corpus/npz", "stored.npz", zip_([("mu.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                                                               struct.pack("<2d", 1.5, -2)), 0, None, None)]))
c = zlib.compressobj(9, zlib.DEFLATED, -15)
b2 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", struct.pack("<6d", *range(6)))
write("../corpus/npz", "deflated.npz", zip_([("sigma.npy", c.compress(b2) + c.flush(), 8, len(b2), zlib.crc32(b2))]))
