import sys

from runlocalai.cli import main

sys.exit(main())
