# hostile: drive the grader's terminal. Clear screen, cursor moves, a title
# (OSC 0), the clipboard (OSC 52), a DCS string, an 8-bit CSI (U+009B), a
# bell and a carriage return that would overwrite the line before it.
printf 'h4-visible-1\n'
printf '\033[2J\033[H\033]0;h4-title\007\033]52;c;aDQtY2xpcGJvYXJk\007\033P+q544e\033\\'
printf '\302\2332J\033[31mh4-red\033[0m\007\r✓ PASS    5/5\n'
printf 'h4-visible-2\n'
