"""The token in a new account's link to choose a password: Django's reset token with its own
salt and a life of WELCOME_LINK_DAYS days, since a welcome may wait over a holiday while a
reset link (PASSWORD_RESET_TIMEOUT, hours) should not."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class WelcomeTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "roster.tokens.WelcomeTokenGenerator"

    def check_token(self, user, token):
        """Django's check, against WELCOME_LINK_DAYS rather than PASSWORD_RESET_TIMEOUT. Like a
        reset token, it stops working once a password is set or the user signs in."""
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.WELCOME_LINK_DAYS * 24 * 3600:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


welcome_token_generator = WelcomeTokenGenerator()
