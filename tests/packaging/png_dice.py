#!/usr/bin/env python3
"""Dice of two 8-bit greyscale PNG masks (non-zero = lesion), or the tight box of one mask
(--box: x0,y0,x1,y1, max inclusive): what the packaging check needs, with the standard library
only (the CI machine has no numpy)."""
import struct
import sys
import zlib


def read_grey_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour != 0 or interlace != 0:
                sys.exit(f"{path}: only 8-bit greyscale, non-interlaced PNGs are read here")
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows, previous, stride = [], bytearray(width), width + 1
    for y in range(height):
        kind, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for x in range(width):
            left = line[x - 1] if x else 0
            up = previous[x]
            upleft = previous[x - 1] if x else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upleft)
                line[x] = (line[x] + pred) & 255
        rows.append(line)
        previous = line
    return rows


def main():
    if sys.argv[1] == "--box":
        rows = read_grey_png(sys.argv[2])
        ys = [y for y, r in enumerate(rows) if any(r)]
        xs = [x for x in range(len(rows[0])) if any(r[x] for r in rows)]
        print(f"{min(xs)},{min(ys)},{max(xs)},{max(ys)}")
        return
    a, b = read_grey_png(sys.argv[1]), read_grey_png(sys.argv[2])
    if len(a) != len(b) or len(a[0]) != len(b[0]):
        sys.exit("masks of different sizes")
    both = sum(1 for ra, rb in zip(a, b) for pa, pb in zip(ra, rb) if pa and pb)
    total = sum(1 for r in a for p in r if p) + sum(1 for r in b for p in r if p)
    print(f"{(2 * both / total if total else 1.0):.4f}")


if __name__ == "__main__":
    main()
