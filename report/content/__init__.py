"""Read content: a content file becomes a validated Brief (YAML with positions, the model, its
validator, located problems, inline Markdown, what changed, new editions).

Imports only the leaf modules of report (errors, assets, cache, files); never render or outputs.
"""
