package other

import rego.v1

allowed if {
    input.x == "unterminated
}
