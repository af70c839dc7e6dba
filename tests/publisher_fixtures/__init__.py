"""Publisher-format fixture files built from the real prepared data (``../shared/data``).

Each module exposes ``BUILDERS``: source id -> ``build(shared_data_dir, out_dir) -> Path``, which
writes the file the publisher would serve (its real header, encoding and packaging, values from the
prepared data) as ``out_dir / source.file_name``; and ``PARTIAL``: dataset id -> key column, for
datasets whose fixture holds only some of the rows (the comparison is then limited to those keys).
"""
