"""The kabupaten view (issue 14): the read-only web dashboard's access links and sessions
(`access`), who may see which run (`scope`), the overview and run page read models
(`overview`, `run_page`) and their XLSX/CSV exports (`exports`). The web layer is in
`bot/dashboard/`; nothing here knows HTTP."""
