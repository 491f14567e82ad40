"""A synthetic, entirely fictional stalking case in real export formats, for demos, tests and benchmarks."""

from casetrail.demo.generator import (
    DIARY_FILE,
    FRIEND_CHAT_FILE,
    MAIN_CHAT_FILE,
    NEW_NUMBER_CHAT_FILE,
    ChatFile,
    DemoFiles,
    generate_demo_files,
    write_large_sms_backup,
    write_large_whatsapp_export,
)

__all__ = [
    "DIARY_FILE",
    "FRIEND_CHAT_FILE",
    "MAIN_CHAT_FILE",
    "NEW_NUMBER_CHAT_FILE",
    "ChatFile",
    "DemoFiles",
    "generate_demo_files",
    "write_large_sms_backup",
    "write_large_whatsapp_export",
]
