"""RSS and Atom feeds in, briefs out: read entries as articles, analyze each one once, resumably.

>>> from ttpmap.feeds import read_feed
>>> entries = read_feed(b'''<rss version="2.0"><channel><title>Demo</title><item>
...   <title>Loader</title><link>https://example.org/1</link>
...   <description>&lt;p&gt;The actor ran PowerShell.&lt;/p&gt;</description>
... </item></channel></rss>''')
>>> entries[0].key, entries[0].article.text, entries[0].article.source
('https://example.org/1', 'The actor ran PowerShell.', 'Demo')
"""

from ttpmap.feeds._reader import FeedEntry, Fetch, read_feed, urllib_fetch
from ttpmap.feeds._runner import FeedError, FeedRunReport, output_name, run_feeds

__all__ = [
    "FeedEntry",
    "FeedError",
    "FeedRunReport",
    "Fetch",
    "output_name",
    "read_feed",
    "run_feeds",
    "urllib_fetch",
]
