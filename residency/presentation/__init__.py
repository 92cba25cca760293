"""How the domain's answers are shown: reply texts (texts), charts and CSV files (charts), PDF documents
with their verification codes (documents)."""
