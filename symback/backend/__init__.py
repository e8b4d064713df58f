"""Backend: printing, module text, formatting, loading."""
