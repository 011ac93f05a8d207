"""WGS84 ⇄ GCJ-02 (AMap, WeChat, Tencent) ⇄ BD-09 (Baidu) conversion.

GCJ-02 is an obfuscated datum with a published forward formula; the inverse has no
closed form, so `gcj02_to_wgs84` iterates the forward formula until the error is
below a millimetre. Outside mainland China GCJ-02 equals WGS84. Works on scalars and
on numpy arrays (the demo loader converts whole boundaries at once).
"""

from __future__ import annotations

import math

import numpy as np

A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses
EE = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0

CRS_CHOICES = ("wgs84", "gcj02", "bd09")


def out_of_china(lng, lat):
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    return (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _offset(lng, lat):
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * np.pi)
    dlng = (dlng * 180.0) / (A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lng, lat)
    return np.where(outside, 0.0, dlng), np.where(outside, 0.0, dlat)


def _ret(lng, lat, scalar):
    return (float(lng), float(lat)) if scalar else (lng, lat)


def wgs84_to_gcj02(lng, lat):
    scalar = np.isscalar(lng)
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    dlng, dlat = _offset(lng, lat)
    return _ret(lng + dlng, lat + dlat, scalar)


def gcj02_to_wgs84(lng, lat, tolerance: float = 1e-9, max_iter: int = 30):
    """Exact inverse by fixed-point iteration (|error| < ~0.1 mm after a few steps)."""
    scalar = np.isscalar(lng)
    glng, glat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    wlng, wlat = glng.copy(), glat.copy()
    for _ in range(max_iter):
        tlng, tlat = wgs84_to_gcj02(wlng, wlat)
        elng, elat = np.asarray(tlng) - glng, np.asarray(tlat) - glat
        wlng, wlat = wlng - elng, wlat - elat
        if np.all(np.abs(elng) < tolerance) and np.all(np.abs(elat) < tolerance):
            break
    return _ret(wlng, wlat, scalar)


def _bd09_to_gcj02_approx(lng, lat):
    x, y = lng - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lng, lat, max_iter: int = 10):
    """The published one-step formula is off by ~0.1 m; refine it to an exact inverse."""
    scalar = np.isscalar(lng)
    blng, blat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    glng, glat = _bd09_to_gcj02_approx(blng, blat)
    for _ in range(max_iter):
        tlng, tlat = gcj02_to_bd09(glng, glat)
        elng, elat = np.asarray(tlng) - blng, np.asarray(tlat) - blat
        glng, glat = glng - elng, glat - elat
        if np.all(np.abs(elng) < 1e-10) and np.all(np.abs(elat) < 1e-10):
            break
    return _ret(glng, glat, scalar)


def gcj02_to_bd09(lng, lat):
    scalar = np.isscalar(lng)
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lng * lng + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lng) + 0.000003 * np.cos(lng * X_PI)
    return _ret(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def bd09_to_wgs84(lng, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


def wgs84_to_bd09(lng, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def to_wgs84(lng: float, lat: float, crs: str) -> tuple[float, float]:
    if crs == "wgs84":
        return float(lng), float(lat)
    if crs == "gcj02":
        return gcj02_to_wgs84(lng, lat)
    if crs == "bd09":
        return bd09_to_wgs84(lng, lat)
    raise ValueError(crs)
