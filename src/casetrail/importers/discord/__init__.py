"""Discord: DiscordChatExporter JSON and Discord's own data package (docs/importers/discord.md)."""
