"""The base of every error Receipts raises on purpose.

The hierarchy, with where each error lives and the built-in it also is (callers that predate
the base catch that one):

* ReceiptsError
  * ConfigError (ValueError): a setting read from the environment is missing or wrong.
    receipts/config.py
  * MappingFileError (ValueError): a mapping file that cannot be used; names file, key,
    reason. receipts/mapping/files.py
  * PathSyntaxError (ValueError): a field path that cannot be parsed, e.g. ``a..b``; a
    mapping file reports it as a MappingFileError. receipts/mapping/paths.py
  * CatalogueError (ValueError): a provider file of the catalogue is malformed.
    receipts/mapping/catalogue.py
  * Unmappable (ValueError): an authenticated body that cannot become a receipt; it is
    quarantined. receipts/mapping/compile.py
  * SampleError (ValueError): a sample text that is neither JSON, NDJSON nor a form.
    receipts/mapping/detection/samples.py
  * NoReceiptError (ValueError): samples that hold no delivery receipt.
    receipts/mapping/detection/output.py
  * BackfillError (ValueError): an import that cannot start. receipts/intake/backfill.py
  * CommitterStopped (RuntimeError): the group committer was closed; the request is
    answered as if the database were away. receipts/store/group_commit.py
  * ServeError (RuntimeError): `receipts serve` cannot start or keep its children running.
    receipts/serve.py

The CLI and wsgi.py turn a ReceiptsError into one line on stderr and a non-zero exit; the web
app turns the ones a request can meet into JSON answers (receipts/web/errors.py).
"""

from __future__ import annotations


class ReceiptsError(Exception):
    """An expected failure: its message is meant for the operator, in one line."""
