"""taskwatch: watch Huawei Cloud TaurusDB and RDS Task Center jobs from a terminal."""

__version__ = "0.1.0"
