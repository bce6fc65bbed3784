"""mlinfra for a team: the HTTP API (`app.py`, `mlinfra serve`) and the MCP server
(`mcp.py`, `mlinfra mcp`), both over the same `Assistant`."""
