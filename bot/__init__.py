"""unionbot: member services of a trade union on Telegram, WeChat and a terminal chat."""

__version__ = "0.1.0"
