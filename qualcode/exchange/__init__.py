"""Exchange with other QDA tools: REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``), in and out.

``archive`` reads and writes the zip container safely (bounded sizes, no path escapes, fixed dates);
``xmlsafe`` parses QDA-XML without DTDs or entities; ``qdpx_export`` and ``qdpx_import`` build and read
projects; ``qdc`` handles codebooks.
"""
