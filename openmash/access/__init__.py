"""The one access policy: `policy.decide` answers, `enforce.authorize` makes every view ask it."""
