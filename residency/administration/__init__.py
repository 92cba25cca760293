"""The administrator's tools: the `muqeem` CLI's domain commands (cli), the demo seed (seed), the residents'
CSV import (csv_import)."""
