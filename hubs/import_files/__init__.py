"""Reading a listing file, CSV or XLSX, one row at a time in bounded memory.

``rows.listing_rows`` is the way in; ``xlsx`` reads a workbook, ``limits`` holds what every
reader may spend and how a file is refused.

A seller's file is untrusted input: a 558 KiB XLSX can hold 4 million rows, a 20 MB one can
unpack to gigabytes, and either may not be what its name says. So nothing here reads a file
whole. Rows are handed over one at a time and the file is refused, with a message the seller
can act on, as soon as it passes a limit:

- the header (the first row with anything in it) is checked before any other row is read;
- the row cap is counted while reading: a file of millions of rows is refused on the row
  after the cap, and the rest of it is never unpacked;
- an XLSX is a zip of XML parts. Its directory is checked before any part is read: the
  size of the directory itself, the unpacked size every member declares, and, for the parts
  held whole in memory (the shared strings, which cells refer to by index), their size and
  packing ratio. Python's zipfile never unpacks more than a member declares, so the declared
  sizes are the real ones. Only stored and deflated members are read: the other methods
  unpack a whole block at once, however large.
- the sheet is parsed by expat event handlers that keep only the row being read. A part
  with a DOCTYPE is refused: XLSX parts have none, and entities are how an XML bomb grows.
- reading has a budget (``limits.Budget``) that rows with something in them replenish, so a
  file of blank rows, or of cells far to the right of the listings, is refused in bounded time,
  and the header is reached, or the file refused, within 100,000 XML elements.

openpyxl is not used to read: even in read-only mode it measures every sheet when the
workbook opens by parsing it up to its ``<dimension>`` element, which is the whole sheet when
the element is missing (17 s and 370 MB for the 558 KiB file above, before a row reaches
us), and it builds every cell of a row, however many, before handing the row over.
"""
