"""``python -m mpipe_runtime`` runs the worker."""

import sys

from mpipe_runtime.worker import main

sys.exit(main())
