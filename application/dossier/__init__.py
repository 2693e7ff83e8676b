"""The run dossier (*berkas*, PDF) and the archive bundle (ZIP): the record read
(`record`), the PDF (`pdf`) with its timeline chart (`chart`), the ZIP and its check
(`bundle`), and making both for a run from the store (`making`)."""
