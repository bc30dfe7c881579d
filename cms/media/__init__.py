"""Photos: uploads checked by Pillow in threads (``imaging``), the stores that keep the files
(``storage``: local, S3), image records and their editorial text, renditions and their signed
URLs."""
