"""Alpha Vantage history into the Parquet catalog: plan, raw cache, resume, convert, write."""

from adapters.alphavantage.loaders.ingest import (
    DEFAULT_FLUSH_ROWS,
    AlphaVantageIngest,
    IngestSettings,
)
from adapters.alphavantage.loaders.plan import Dataset, IngestPlan, describe_plan, plan_ingest
from adapters.alphavantage.loaders.summary import IngestSummary

__all__ = [
    "DEFAULT_FLUSH_ROWS",
    "AlphaVantageIngest",
    "Dataset",
    "IngestPlan",
    "IngestSettings",
    "IngestSummary",
    "describe_plan",
    "plan_ingest",
]
