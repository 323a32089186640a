# embed-text.awk - turn a text file into a C string constant.
# Usage: awk -v name=SYMBOL -f embed-text.awk FILE > out.c
BEGIN { printf("/* Generated from a text file by scripts/embed-text.awk; do not edit. */\n#include <stddef.h>\nconst char %s[] =\n", name) }
{ gsub(/\\/, "&&"); gsub(/"/, "\\\""); printf("    \"%s\\n\"\n", $0) }
END { printf("    \"\";\nconst size_t %s_len = sizeof(%s) - 1;\n", name, name) }
