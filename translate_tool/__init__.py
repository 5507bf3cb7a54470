__version__ = "0.1.0"
APP_NAME = "translate-tool"  # names the user data and config folders
