"""Image files, byte by byte: what a file is (``sniff``), whether Pillow can decode all of it
(``inspect``), its metadata removed (``clean``) and its placeholder (``placeholder``).

Everything here is synchronous CPU and file work with no database and no event loop: the
services call it in a worker thread (``asyncio.to_thread``).
"""
