"""Printed documents: the one font loader (fonts.py) and the one PDF builder (pdf.py).

The counter's prints (receipts, pickup records) and the privacy office's documents (the
report to the commission, the notices, the publication, the desk script, the who-saw answer)
are all set here, so a person's name prints the same wherever it appears: 𠮷, 𩸽, 髙 and 﨑
included. A plain package (no models, no Django): it sits at the bottom of web's layers and
nothing else in ryoken imports ReportLab or fontTools (tests/unit/test_one_pdf_stack.py).
"""
