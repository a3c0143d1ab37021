package difftest

import (
	_ "modernc.org/sqlite"
)
