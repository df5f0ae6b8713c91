import sys

from depot_local.cli import main

sys.exit(main())
