"""LLMXplorer: the command-line entry point and the one settings object shared by every package."""
