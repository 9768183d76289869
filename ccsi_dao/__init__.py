"""ccsi-dao: DAO governance toolkit for consortia of social-innovation partners."""

__version__ = "0.1.0"
