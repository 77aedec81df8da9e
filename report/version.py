"""The tool's version, in a module of its own so every stage can name it without importing the
package's public API."""

__version__ = "0.1.0"
GENERATOR = f"report {__version__}"  # written into every output's metadata
