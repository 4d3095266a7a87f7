"""NEWS_SENTIMENT to one :class:`NewsSentiment` record per article and ticker."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from adapters.alphavantage.constants import NEWS_TIME_ZONE
from adapters.alphavantage.data_types import NewsSentiment
from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import Rejection, required_float, ticker_id, zoned_ns
from adapters.alphavantage.schemas.news import NewsArticle, NewsSentimentResponse

_TIME_FORMATS = ("%Y%m%dT%H%M%S", "%Y%m%dT%H%M")
NEWS_ZONE = ZoneInfo(NEWS_TIME_ZONE)


@dataclass(slots=True)
class NewsBatch:
    """Records parsed from one NEWS_SENTIMENT reply, oldest first.

    Parameters
    ----------
    records : list[NewsSentiment]
        One per article and ticker.
    rejected : list[Rejection]
        Articles refused (none of their records kept), keyed by URL.

    """

    records: list[NewsSentiment] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def parse_time_published(value: str) -> int:
    """Return a ``YYYYMMDDTHHMMSS`` publication time as UNIX ns.

    The vendor gives no zone; it is read as New York time (see
    :data:`adapters.alphavantage.constants.NEWS_TIME_ZONE` for why that cannot look ahead).

    Raises
    ------
    AlphaVantageParseError
        If `value` is not in that format.

    """
    for fmt in _TIME_FORMATS:
        try:
            return zoned_ns(dt.datetime.strptime(value.strip(), fmt), NEWS_ZONE)  # noqa: DTZ007
        except ValueError:
            continue
    raise AlphaVantageParseError(f"time_published was not YYYYMMDDTHHMMSS: {value!r}")


def normalise_label(label: str) -> str:
    """Return a sentiment label with the vendor's ``_`` spelling as ``-``."""
    return label.strip().replace("_", "-")


def parse_news_sentiment(
    response: NewsSentimentResponse, *, ts_init: int | None = None
) -> NewsBatch:
    """Parse NEWS_SENTIMENT into per-article, per-ticker records.

    Parameters
    ----------
    response : NewsSentimentResponse
        The decoded reply (``"items": "0"`` with an empty feed gives no records).
    ts_init : int, optional
        UNIX ns the reply was received (live polls); a record's ``ts_init`` is the later of
        this and its publication time. If ``None`` (history), ``ts_init`` is the publication
        time.

    Returns
    -------
    NewsBatch

    """
    batch = NewsBatch()
    for article in response.feed:
        try:
            records = _article_records(article, ts_init)
        except (AlphaVantageParseError, ValueError) as exc:
            batch.rejected.append(Rejection(article.url, str(exc)))
            continue
        batch.records.extend(records)
    batch.records.sort(key=lambda record: (record.ts_init, record.ts_event))
    return batch


def _article_records(article: NewsArticle, ts_init: int | None) -> list[NewsSentiment]:
    published = parse_time_published(article.time_published)
    known = published if ts_init is None else max(published, ts_init)
    topics = {
        topic.topic: required_float(topic.relevance_score, "topic relevance")
        for topic in article.topics
    }
    overall = required_float(article.overall_sentiment_score, "overall_sentiment_score")
    overall_label = normalise_label(article.overall_sentiment_label)
    records = []
    for sentiment in article.ticker_sentiment:
        ticker = sentiment.ticker.strip().upper()
        if not ticker:
            raise AlphaVantageParseError("ticker was empty")
        records.append(
            NewsSentiment(
                instrument_id=ticker_id(ticker),
                title=article.title,
                url=article.url,
                source=article.source,
                relevance=required_float(sentiment.relevance_score, "relevance_score"),
                score=required_float(sentiment.ticker_sentiment_score, "ticker_sentiment_score"),
                label=normalise_label(sentiment.ticker_sentiment_label),
                overall_score=overall,
                overall_label=overall_label,
                topics=topics,
                ts_event=published,
                ts_init=known,
            )
        )
    return records
