"""`app` for gunicorn (`gunicorn wsgi:app`), as the Procfile's web process runs it."""

import sys

from receipts import create_app
from receipts.exceptions import ReceiptsError

try:
    app = create_app()
except ReceiptsError as error:
    sys.exit(f"receipts: {error}")
