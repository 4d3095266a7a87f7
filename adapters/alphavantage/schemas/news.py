"""NEWS_SENTIMENT (Alpha Intelligence)."""

import msgspec

from adapters.alphavantage.schemas.decoding import decode_json


class TopicRelevance(msgspec.Struct, frozen=True):
    """One topic of an article; the title-cased topic and its relevance as a string."""

    topic: str
    relevance_score: str


class TickerSentiment(msgspec.Struct, frozen=True):
    """The sentiment of an article towards one ticker (scores as strings)."""

    ticker: str
    relevance_score: str
    ticker_sentiment_score: str
    ticker_sentiment_label: str


class NewsArticle(msgspec.Struct, frozen=True):
    """One article of the feed; ``overall_sentiment_score`` is a JSON number."""

    title: str
    url: str
    time_published: str
    source: str
    overall_sentiment_score: float
    overall_sentiment_label: str
    authors: list[str] = msgspec.field(default_factory=list)
    summary: str | None = None
    banner_image: str | None = None
    category_within_source: str | None = None
    source_domain: str | None = None
    topics: list[TopicRelevance] = msgspec.field(default_factory=list)
    ticker_sentiment: list[TickerSentiment] = msgspec.field(default_factory=list)


class NewsSentimentResponse(msgspec.Struct, frozen=True):
    """NEWS_SENTIMENT JSON; ``items`` is a string count."""

    feed: list[NewsArticle] = msgspec.field(default_factory=list)
    items: str | None = None
    sentiment_score_definition: str | None = None
    relevance_score_definition: str | None = None


_NEWS = msgspec.json.Decoder(NewsSentimentResponse)


def decode_news_sentiment(body: bytes | str) -> NewsSentimentResponse:
    """Decode NEWS_SENTIMENT JSON (raises ``AlphaVantageParseError``)."""
    return decode_json(body, _NEWS, "NEWS_SENTIMENT")
