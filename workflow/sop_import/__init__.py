"""Reading an office's SOP document (PermenPAN-RB 35/2012 format) into a proposed definition.

Pure: a reader in the application layer turns a file (DOCX, XLSX/ODS, PDF, OCR text) into a
`SourceDocument` — its text lines and its tables as rows of cells — and `propose()` turns that
into a definition in our YAML format plus a report of everything it was unsure about.
"""

from workflow.sop_import.propose import Finding, Proposal, propose
from workflow.sop_import.source import SourceDocument

__all__ = ["Finding", "Proposal", "SourceDocument", "propose"]
