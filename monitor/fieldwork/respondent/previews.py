"""Link previews: chat apps and social sites fetch a link as soon as it is pasted, to draw a
card with its title. Such a fetch must not open the invitation (no session, no "opened"
status, no answers at risk) and must show nothing about the survey: the card may appear on a
phone someone else reads.

Known preview fetchers say who they are in the User-Agent. Mail scanners that pose as browsers
cannot be told apart this way; their fetch marks the link opened but changes nothing else (the
link keeps working and nothing is answered).
"""

from __future__ import annotations

import re

#: User-Agent marks of link-preview fetchers (chat apps, social sites, search crawlers).
_PREVIEW_AGENTS = re.compile(
    r"TelegramBot|WhatsApp|facebookexternalhit|Facebot|Viber|Slackbot|Slack-ImgProxy|Twitterbot|"
    r"Discordbot|LinkedInBot|SkypeUriPreview|Iframely|Embedly|redditbot|Pinterestbot|"
    r"Googlebot|bingbot|YandexBot|Applebot|vkShare|Signal|Mastodon|Snapchat",
    re.IGNORECASE,
)


def is_preview_fetch(method: str, user_agent: str) -> bool:
    """True for a HEAD request or a known link-preview fetcher."""
    return method == "HEAD" or bool(_PREVIEW_AGENTS.search(user_agent or ""))
