import sys

from ryoken.cli import main

sys.exit(main())
