"""The stewards' workbench: a local web app over the warehouse (gongkai serve)."""
