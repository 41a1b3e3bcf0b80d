"""`app` for gunicorn (`gunicorn wsgi:app`), as the Procfile's web process runs it."""

import sys

from receipts import create_app
from receipts.config import ConfigError
from receipts.mapping.files import MappingFileError

try:
    app = create_app()
except (ConfigError, MappingFileError) as error:
    sys.exit(f"receipts: {error}")
