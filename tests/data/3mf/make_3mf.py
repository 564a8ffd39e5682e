#!/usr/bin/env python3
"""Writes the 3MF test packages of tests/test_3mf.c: tests/data/3mf/*.3mf and tests/data/hostile/3mf_*.3mf.

Standard library only (zipfile, struct, io). Deterministic: fixed timestamps, so re-running gives the same bytes.
usage: python3 tests/data/3mf/make_3mf.py
"""
import io
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(HERE, "..", "hostile")
CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
PROD = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
SLICE = "http://schemas.microsoft.com/3dmanufacturing/slice/2015/07"
REL_TYPE = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
DATE = (2024, 1, 1, 0, 0, 0)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
    "</Types>\n"
)


def rels(target="/3D/3dmodel.model", rel_type=REL_TYPE):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Target="{target}" Id="rel0" Type="{rel_type}"/></Relationships>\n'
    )


def box(sx, sy, sz):
    """An axis-aligned box [0,sx]×[0,sy]×[0,sz], triangles counter-clockwise seen from outside."""
    v = [(x, y, z) for z in (0, sz) for y in (0, sy) for x in (0, sx)]
    quads = [(0, 2, 3, 1), (4, 5, 7, 6), (0, 1, 5, 4), (2, 6, 7, 3), (0, 4, 6, 2), (1, 3, 7, 5)]
    t = []
    for a, b, c, d in quads:
        t += [(a, b, c), (a, c, d)]
    return v, t


def mesh_object(oid, mesh, name=None, otype=None):
    v, t = mesh
    attrs = f' id="{oid}"' + (f' name="{name}"' if name else "") + (f' type="{otype}"' if otype else "")
    lines = [f"  <object{attrs}>", "   <mesh>", "    <vertices>"]
    lines += [f'     <vertex x="{x:g}" y="{y:g}" z="{z:g}"/>' for x, y, z in v]
    lines += ["    </vertices>", "    <triangles>"]
    lines += [f'     <triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in t]
    lines += ["    </triangles>", "   </mesh>", "  </object>"]
    return "\n".join(lines)


def ref_attrs(oid, transform=None, path=None):
    return f'objectid="{oid}"' + (f' transform="{transform}"' if transform else "") + (
        f' p:path="{path}"' if path else ""
    )


def comp_object(oid, comps, name=None):
    lines = [f'  <object id="{oid}"' + (f' name="{name}"' if name else "") + ">", "   <components>"]
    lines += [f"    <component {ref_attrs(*c)}/>" for c in comps]
    lines += ["   </components>", "  </object>"]
    return "\n".join(lines)


def model(objects, items, unit="millimeter", head="", model_attrs=""):
    """A model part: objects (XML strings), items as (objectid, transform, p:path) tuples."""
    u = f' unit="{unit}"' if unit else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    if head:
        lines.append(head)
    lines.append(f'<model{u} xml:lang="en-US" xmlns="{CORE}" xmlns:p="{PROD}"{model_attrs}>')
    lines.append(" <resources>")
    lines += objects
    lines.append(" </resources>")
    lines.append(" <build>")
    lines += [f"  <item {ref_attrs(*it)}/>" for it in items]
    lines.append(" </build>")
    lines.append("</model>")
    return "\n".join(lines) + "\n"


class Unseekable(io.RawIOBase):
    """A write-only stream that cannot seek, so zipfile writes data descriptors."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def package(parts, method=zipfile.ZIP_DEFLATED, root_rels=True, streamed=False, force_zip64=False):
    """Zip bytes for parts {name: text}; [Content_Types].xml and _rels/.rels are added unless given."""
    files = {"[Content_Types].xml": CONTENT_TYPES}
    if root_rels:
        files["_rels/.rels"] = rels()
    files.update(parts)
    out = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            if text is None:
                continue
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            data = text.encode() if isinstance(text, str) else text
            with z.open(info, "w", force_zip64=force_zip64) as f:
                f.write(data)
    return bytes(out.buf if streamed else out.getvalue())


def to_full_zip64(data):
    """Rewrites a zip so every central record carries its sizes and offset in a ZIP64 extra field and the end
    of the archive has a ZIP64 end record and locator (zipfile only does that past 4 GB)."""
    eocd = data.rindex(b"PK\x05\x06")
    count, cd_size, cd_off = struct.unpack_from("<HII", data, eocd + 10)
    p, recs = cd_off, []
    for _ in range(count):
        fixed = bytearray(data[p : p + 46])
        nlen, xlen, clen = struct.unpack_from("<HHH", fixed, 28)
        name = data[p + 46 : p + 46 + nlen]
        comp, size = struct.unpack_from("<II", fixed, 20)
        local = struct.unpack_from("<I", fixed, 42)[0]
        extra = struct.pack("<HHQQQ", 1, 24, size, comp, local)
        struct.pack_into("<II", fixed, 20, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<I", fixed, 42, 0xFFFFFFFF)
        struct.pack_into("<HHH", fixed, 28, nlen, len(extra), 0)
        struct.pack_into("<H", fixed, 6, 45)
        recs.append(bytes(fixed) + name + extra)
        p += 46 + nlen + xlen + clen
    cd = b"".join(recs)
    body = data[:cd_off]
    z64_off = len(body) + len(cd)
    z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(cd), len(body))
    loc = struct.pack("<IIQI", 0x07064B50, 0, z64_off, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body + cd + z64 + loc + end


def central_record(data, name):
    """Offset of the central directory record of entry `name`."""
    eocd = data.rindex(b"PK\x05\x06")
    count, _, p = struct.unpack_from("<HII", data, eocd + 10)
    for _ in range(count):
        nlen, xlen, clen = struct.unpack_from("<HHH", data, p + 28)
        if data[p + 46 : p + 46 + nlen] == name.encode():
            return p
        p += 46 + nlen + xlen + clen
    raise KeyError(name)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def cube_model(**kw):
    return model([mesh_object(1, box(10, 10, 10))], [(1,)], **kw)


def main():
    os.makedirs(HOSTILE, exist_ok=True)
    d = lambda n: os.path.join(HERE, n)  # noqa: E731
    h = lambda n: os.path.join(HOSTILE, "3mf_" + n)  # noqa: E731
    M = "3D/3dmodel.model"

    # Units: a 10-unit cube translated by 5 units along x, in every unit (and with no unit attribute).
    for unit in ("micron", "millimeter", "centimeter", "inch", "foot", "meter", None):
        text = model([mesh_object(1, box(10, 10, 10))], [(1, "1 0 0 0 1 0 0 0 1 5 0 0")], unit=unit)
        write(d(f"unit_{unit or 'default'}.3mf"), package({M: text}))

    # Transforms on a 10×20×30 box: translation, 90° rotation about z, mirror in x.
    b = [mesh_object(1, box(10, 20, 30))]
    write(d("xf_translate.3mf"), package({M: model(b, [(1, "1 0 0 0 1 0 0 0 1 20 30 40")])}))
    write(d("xf_rotate.3mf"), package({M: model(b, [(1, "0 1 0 -1 0 0 0 0 1 0 0 0")])}))
    write(d("xf_mirror.3mf"), package({M: model(b, [(1, "-1 0 0 0 1 0 0 0 1 0 0 0")])}))

    # Components: one cube shared twice; nested (scale then translate inside, translate outside); a cycle.
    cube = mesh_object(1, box(10, 10, 10))
    shared = comp_object(2, [(1,), (1, "1 0 0 0 1 0 0 0 1 20 0 0")])
    write(d("comp_shared.3mf"), package({M: model([cube, shared], [(2,)])}))
    inner = comp_object(2, [(1, "2 0 0 0 2 0 0 0 2 20 0 0")])
    outer = comp_object(3, [(2, "1 0 0 0 1 0 0 0 1 0 100 0"), (1,)])
    write(d("comp_nested.3mf"), package({M: model([cube, inner, outer], [(3, "1 0 0 0 1 0 0 0 1 0 0 5")])}))
    cyc = [comp_object(1, [(2,)]), comp_object(2, [(3,)]), comp_object(3, [(1,)])]
    write(d("comp_cycle.3mf"), package({M: model(cyc, [(1,)])}))
    many = comp_object(2, [(1, f"1 0 0 0 1 0 0 0 1 {11 * i} 0 0") for i in range(1000)])
    write(d("comp_1000.3mf"), package({M: model([cube, many], [(2,)])}))

    # Build: an object left out of the build; one object built twice; support and unnamed objects.
    tet = ([(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)], [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)])
    objs = [mesh_object(1, box(10, 10, 10)), mesh_object(2, tet)]
    write(d("build_unreferenced.3mf"), package({M: model(objs, [(2,)])}))
    write(d("build_twice.3mf"), package({M: model([cube], [(1,), (1, "1 0 0 0 1 0 0 0 1 50 0 0")])}))
    objs = [
        mesh_object(1, box(10, 10, 10), name="body"),
        mesh_object(2, box(2, 2, 10), name="tree", otype="support"),
        mesh_object(3, tet),
    ]
    write(d("build_support.3mf"), package({M: model(objs, [(1,), (2, "1 0 0 0 1 0 0 0 1 20 0 0"), (3,)])}))

    # Extensions: slice required (refused); production with p:path into other parts, one in inches.
    write(
        d("ext_slice_required.3mf"),
        package({M: cube_model(model_attrs=f' xmlns:s="{SLICE}" requiredextensions="s"')}),
    )
    root = model(
        [comp_object(5, [(1, "1 0 0 0 1 0 0 0 1 0 0 0", "/3D/Objects/cube.model")], name="assembly")],
        [(5,), (2, "1 0 0 0 1 0 0 0 1 100 0 0", "/3D/Objects/inch.model")],
        model_attrs=' requiredextensions="p"',
    )
    parts = {
        M: root,
        "3D/Objects/cube.model": model([cube], []),
        "3D/Objects/inch.model": model([mesh_object(2, box(1, 1, 1))], [], unit="inch"),
    }
    write(d("ppath.3mf"), package(parts))
    parts = {
        M: model([comp_object(1, [(7, None, "/3D/Objects/b.model")])], [(1,)]),
        "3D/Objects/b.model": model([comp_object(7, [(1, None, "/3D/3dmodel.model")])], []),
    }
    write(d("ppath_cycle.3mf"), package(parts))

    # Containers: stored, deflated, streamed with data descriptors, full ZIP64.
    write(d("zip_stored.3mf"), package({M: cube_model()}, method=zipfile.ZIP_STORED))
    write(d("zip_deflated.3mf"), package({M: cube_model()}))
    write(d("zip_descriptor.3mf"), package({M: cube_model()}, streamed=True))
    write(d("zip64.3mf"), to_full_zip64(package({M: cube_model()}, force_zip64=True)))

    # ---- Hostile packages: each must fail with its own code and a position. ----
    good = package({M: cube_model()})
    write(h("truncated.3mf"), good[: len(good) * 2 // 3])
    eocd = good.rindex(b"PK\x05\x06")
    bad = bytearray(good)
    struct.pack_into("<I", bad, eocd + 16, len(good) + 1000)
    write(h("bad_cd_offset.3mf"), bytes(bad))
    cd_off = central_record(good, M)
    bad = bytearray(good)
    struct.pack_into("<I", bad, cd_off + 42, 7)
    write(h("bad_local_offset.3mf"), bytes(bad))
    bad = bytearray(good)
    struct.pack_into("<I", bad, cd_off + 20, 0x7FFFFFF0)
    write(h("data_past_end.3mf"), bytes(bad))
    bad = bytearray(good)
    struct.pack_into("<I", bad, cd_off + 24, 10)
    write(h("lying_size.3mf"), bytes(bad))
    bad = bytearray(good)
    struct.pack_into("<H", bad, cd_off + 10, 12)
    write(h("unknown_method.3mf"), bytes(bad))
    # Corrupt deflate data: overwrite the model's compressed bytes with a reserved block type (0b11).
    zf = zipfile.ZipFile(io.BytesIO(good))
    info = zf.getinfo(M)
    lh = info.header_offset
    nlen, xlen = struct.unpack_from("<HH", good, lh + 26)
    bad = bytearray(good)
    bad[lh + 30 + nlen + xlen] = 0x07  # BFINAL=1, BTYPE=11: invalid
    write(h("corrupt_deflate.3mf"), bytes(bad))
    bad = bytearray(good)
    struct.pack_into("<H", bad, cd_off + 8, 1)
    write(h("encrypted.3mf"), bytes(bad))
    dup = io.BytesIO()
    with zipfile.ZipFile(dup, "w") as z:
        z.writestr(zipfile.ZipInfo("_rels/.rels", DATE), rels())
        z.writestr(zipfile.ZipInfo(M, DATE), cube_model())
        z.writestr(zipfile.ZipInfo("3D/3DModel.model", DATE), cube_model())
    write(h("duplicate_entry.3mf"), dup.getvalue())

    # Zip bomb: a valid model padded with 4 MB of spaces, deflated to a few KB (tests set small caps).
    bomb = cube_model().replace("</model>", " " * (4 << 20) + "</model>")
    write(h("bomb.3mf"), package({M: bomb}))

    # XML: entity expansion (billion laughs), external entity, malformed, DOCTYPE in the rels.
    laughs = '<!DOCTYPE model [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    write(h("billion_laughs.3mf"), package({M: cube_model(head=laughs)}))
    xxe = '<!DOCTYPE model [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    write(h("xxe.3mf"), package({M: cube_model(head=xxe)}))
    write(h("malformed_xml.3mf"), package({M: cube_model().replace("</vertices>", "</vertex>", 1)}))
    write(
        h("rels_doctype.3mf"),
        package({M: cube_model(), "_rels/.rels": rels().replace("<Relationships", "<!DOCTYPE r><Relationships", 1)}),
    )

    # Missing pieces: no rels, rels without a 3D model relationship, rels naming an absent part.
    write(h("no_rels.3mf"), package({M: cube_model()}, root_rels=False))
    write(h("rels_no_model.3mf"), package({M: cube_model(), "_rels/.rels": rels(rel_type="urn:other")}))
    write(h("rels_missing_target.3mf"), package({"3D/other.model": cube_model()}))

    # Geometry: index out of range (line 25), NaN coordinate, infinite transform, undefined object.
    write(h("bad_index.3mf"), package({M: cube_model().replace('v3="5"/>', 'v3="8"/>', 1)}))
    write(h("nan.3mf"), package({M: cube_model().replace('x="10"', 'x="NaN"', 1)}))
    write(
        h("inf_transform.3mf"),
        package({M: model([cube], [(1, "1 0 0 0 1 0 0 0 1 1e999 0 0")])}),
    )
    write(h("undefined_object.3mf"), package({M: model([cube], [(9,)])}))

    # Expansion bomb: 8 levels of 10 components each over one cube = 12·10^8 triangles from a tiny file.
    levels = [cube] + [
        comp_object(k + 2, [(k + 1, f"1 0 0 0 1 0 0 0 1 {i} 0 0") for i in range(10)]) for k in range(8)
    ]
    write(h("expansion_bomb.3mf"), package({M: model(levels, [(9,)])}))
    # The same fan-out over an empty object: counts zero triangles, must not be walked 10^8 times.
    empty = ['  <object id="1">\n   <mesh><vertices/><triangles/></mesh>\n  </object>'] + levels[1:]
    write(h("empty_fanout.3mf"), package({M: model(empty + [mesh_object(20, tet)], [(9,), (20,)])}))
    chain = [cube] + [comp_object(k + 2, [(k + 1,)]) for k in range(40)]
    write(h("deep_nesting.3mf"), package({M: model(chain, [(41,)])}))


if __name__ == "__main__":
    main()
