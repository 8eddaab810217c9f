import unittest

from app.inventory import describe, in_stock


class InventoryTest(unittest.TestCase):
    def test_in_stock_skips_empty(self):
        self.assertEqual(in_stock(), ["apple", "plum"])

    def test_describe_uses_dependencies(self):
        self.assertIn("labweb", describe()["web"])


if __name__ == "__main__":
    unittest.main()
